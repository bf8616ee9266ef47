/** The bundler (esbuild) turns `import './styles.css'` into the CSS bundle. */
declare module '*.css';
