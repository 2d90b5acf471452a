import type { Rule } from 'eslint';

export declare const LAYERS: Readonly<Record<string, readonly string[]>>;
export declare function checkLayers(layers: Readonly<Record<string, readonly string[]>>): void;
export declare function allowedParts(part: string, layers?: Readonly<Record<string, readonly string[]>>): string[];
export declare function partOf(
  pathInSrc: string,
  layers?: Readonly<Record<string, readonly string[]>>,
): string | undefined;
export declare const importLayersRule: Rule.RuleModule;
declare const plugin: { rules: Record<string, Rule.RuleModule> };
export default plugin;
