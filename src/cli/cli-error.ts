// The CLI's name for errors meant for people; the class lives with the workspace, which throws it too.
export { UserError as CliError } from '../workspace/user-error.ts';
