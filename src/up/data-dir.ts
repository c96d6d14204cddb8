/**
 * The data directory of `pulse up`: one process at a time. A lock file holds the owner's pid;
 * a lock left by a process that no longer runs (kill -9, power loss) is taken over.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join, resolve } from "node:path";
import { PulseError } from "../platform/errors";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Creates the directory if needed and locks it; the returned function releases the lock. */
export function lockDataDir(dir: string): () => void {
  const root = resolve(dir);
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new PulseError("USAGE", `cannot create --data-dir ${root}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const path = join(root, "pulse.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new PulseError("USAGE", `cannot lock --data-dir ${root}: ${(err as Error).message}`, undefined, { cause: err });
      }
      const owner = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new PulseError("USAGE", `--data-dir ${root} is in use by another pulse (pid ${owner}); stop it or choose another --data-dir`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new PulseError("USAGE", `cannot lock --data-dir ${root}: another process keeps taking it`);
}
