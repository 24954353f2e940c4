// An error's message for telemetry and logs, whatever was thrown.
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
