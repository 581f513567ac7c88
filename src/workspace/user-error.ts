/**
 * An error whose message is written for the person at the terminal (or in the CI log): entry
 * points print it without a stack. The CLI knows it as CliError.
 */
export class UserError extends Error {
  override name = 'UserError';
}
