/**
 * The parse tree. Built once per template (per SecretProviderClass revision) and never mutated,
 * so one parsed template can be executed for many pods.
 */

export type Operand =
  | { readonly type: 'field'; readonly pos: number; readonly names: readonly string[] }
  | { readonly type: 'variable'; readonly pos: number; readonly name: string; readonly names: readonly string[] }
  | { readonly type: 'chain'; readonly pos: number; readonly node: Operand; readonly names: readonly string[] }
  | { readonly type: 'dot'; readonly pos: number }
  | { readonly type: 'nil'; readonly pos: number }
  | { readonly type: 'bool'; readonly pos: number; readonly value: boolean }
  | { readonly type: 'number'; readonly pos: number; readonly value: number }
  | { readonly type: 'string'; readonly pos: number; readonly value: string }
  | { readonly type: 'function'; readonly pos: number; readonly name: string }
  | { readonly type: 'pipe'; readonly pos: number; readonly pipe: Pipeline };

export interface SecretCall {
  readonly path: string;
  readonly args: Readonly<Record<string, string>>;
}

export interface Command {
  readonly pos: number;
  /** First operand is the function, field or value; the rest are arguments. */
  readonly operands: readonly Operand[];
  /** Set when the command is a `secret` call: its planned read. */
  readonly secret?: SecretCall;
}

export interface Pipeline {
  readonly pos: number;
  /** Variables declared (`:=`) or assigned (`=`) by this pipeline. */
  readonly decl: readonly string[];
  readonly isAssign: boolean;
  readonly commands: readonly Command[];
}

export type Node =
  | { readonly type: 'text'; readonly pos: number; readonly text: string }
  | { readonly type: 'action'; readonly pos: number; readonly pipe: Pipeline }
  | ControlNode
  | { readonly type: 'template'; readonly pos: number; readonly name: string; readonly pipe: Pipeline | undefined }
  | { readonly type: 'break' | 'continue'; readonly pos: number };

/** if, with and range: a pipeline, a body and an optional else body. */
export interface ControlNode {
  readonly type: 'if' | 'with' | 'range';
  readonly pos: number;
  readonly pipe: Pipeline;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | undefined;
}

export interface Program {
  readonly root: readonly Node[];
  readonly defines: ReadonlyMap<string, readonly Node[]>;
  readonly secretCalls: readonly SecretCall[];
}
