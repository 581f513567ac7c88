// Validation errors as GitHub workflow commands, so each shows on its line of models.yaml in the
// pull request's diff. The format is the runner's: `::error file=F,line=L,col=C,title=T::message`.
import type { SpecIssue } from '../spec/types.ts';

/** Data of a workflow command: `%`, CR and LF escaped as the runner expects. */
export function escapeCommandData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A property value of a workflow command: as data, plus `:` and `,`, which separate properties. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

export type AnnotationProperties = { file: string; startLine: number; startColumn: number; title: string };

/** Where and under which title an issue is annotated; `file` is the models file relative to the repository root. */
export function annotationFor(issue: SpecIssue, file: string, title = `${file} is not valid`): { message: string; properties: AnnotationProperties } {
  return {
    message: issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`,
    properties: { file, startLine: issue.line, startColumn: issue.column, title },
  };
}

/** The `::error …::` line for an issue. */
export function errorCommand(issue: SpecIssue, file: string, title?: string): string {
  const { message, properties: p } = annotationFor(issue, file, title);
  const props = `file=${escapeCommandProperty(p.file)},line=${p.startLine},col=${p.startColumn},title=${escapeCommandProperty(p.title)}`;
  return `::error ${props}::${escapeCommandData(message)}`;
}
