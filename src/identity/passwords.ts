/** Passwords of local users: argon2id (Bun's built-in implementation), never stored or logged in clear. */
export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

// Verified when the email is unknown too, so a failed sign-in takes as long either way.
let dummy: Promise<string> | undefined;

export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  const ok = await Bun.password.verify(password, hash ?? (await (dummy ??= hashPassword("pulse-dummy-password-for-timing"))));
  return ok && hash != null;
}
