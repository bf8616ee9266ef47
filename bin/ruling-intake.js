#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx's loader, so `npx ruling-intake` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shared/cli/main.ts');
await main(process.argv);
