// Files bundled into the binary by `import … with { type: "text" | "file" }`.
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.wasm" {
  /** Path of the file: real in development, under /$bunfs in the compiled binary. */
  const path: string;
  export default path;
}
declare module "*.data" {
  const path: string;
  export default path;
}
