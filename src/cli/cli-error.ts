/** An error whose message is written for the person at the terminal; the CLI prints it without a stack. */
export class CliError extends Error {
  override name = 'CliError';
}
