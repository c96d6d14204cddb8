/** Passwords of local users: argon2id (Bun's built-in implementation), never stored or logged in clear. */
export const MIN_PASSWORD_LENGTH = 10;

export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

// Verified when the email is unknown too, so a failed sign-in takes as long either way.
const DUMMY = await hashPassword("pulse-dummy-password-for-timing");

export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  const ok = await Bun.password.verify(password, hash ?? DUMMY);
  return ok && hash != null;
}
