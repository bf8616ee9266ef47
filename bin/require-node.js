// The Node.js version check, before anything that an old Node cannot run (`npm start` and `npm ci`
// run it first; the launcher imports it first). Plain JavaScript on purpose.
var v = process.versions.node.split('.').map(Number);
if (v[0] < 22 || (v[0] === 22 && v[1] < 18)) {
  process.stderr.write(
    'ruling-intake needs Node.js 22.18 or newer (found ' +
      process.versions.node +
      '): install it from https://nodejs.org/en/download\n',
  );
  process.exit(1);
}
