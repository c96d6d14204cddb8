/**
 * `bun run build`: the single executable dist/pulse. Regenerates the embedded migration list,
 * bundles the web console into web-dist/ (hashed asset names), then compiles cmd/pulse.ts with
 * web-dist/ embedded. The binary reads neither sql/ nor web-dist/ from disk at run time, and
 * ignores any .env or bunfig.toml where it runs: its configuration is flags and PULSE_* only.
 */
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { migrationFiles, render } from "./gen-embeds";

const ROOT = join(import.meta.dir, "..");

export async function buildWeb(outdir = join(ROOT, "web-dist")): Promise<number> {
  await rm(outdir, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [join(ROOT, "src/web/index.html")],
    outdir,
    minify: true,
    splitting: true,
    // Absolute, so a deep link such as /app/devices/d-1 still finds /app/assets/….
    publicPath: "/app/",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    naming: { entry: "[name].[ext]", chunk: "assets/[name]-[hash].[ext]", asset: "assets/[name]-[hash].[ext]" },
  });
  if (!result.success) throw new AggregateError(result.logs, "web build failed");
  return result.outputs.length;
}

export async function buildBinary(outfile = join(ROOT, "dist/pulse")): Promise<string> {
  const gen = join(ROOT, "src/platform/migrations.gen.ts");
  const text = render(migrationFiles());
  if ((await Bun.file(gen).text().catch(() => "")) !== text) await Bun.write(gen, text);
  await buildWeb();
  const args = [
    "build", "--compile", "--minify", "--bytecode", "--format=esm",
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    "cmd/pulse.ts", "src/platform/pglite-worker.ts", "--asset", "web-dist", "--outfile", outfile,
  ];
  const proc = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`bun build failed:\n${proc.stderr.toString()}${proc.stdout.toString()}`);
  return outfile;
}

if (import.meta.main && process.argv[2] === "--web") {
  const started = performance.now();
  const outputs = await buildWeb();
  console.log(`built web-dist/: ${outputs} files in ${Math.round(performance.now() - started)} ms`);
} else if (import.meta.main) {
  const started = performance.now();
  const out = await buildBinary(process.argv[2] ?? undefined);
  const size = Bun.file(out).size;
  console.log(`built ${relative(process.cwd(), out) || out}: ${(size / 1024 / 1024).toFixed(1)} MiB in ${Math.round(performance.now() - started)} ms`);
}
