/**
 * What a source file imports, for the import-boundary test (src/boundaries.test.ts). Parsed
 * with the TypeScript compiler rather than matched line by line, so imports spread over lines
 * count, and words in comments or strings that merely look like imports do not.
 */
import ts from 'typescript';

export interface FoundImport {
  /** The module as written; for a `computed` dynamic import, the expression's text. */
  spec: string;
  /** Erased from the build: `import type`, `export type`, `typeof import('…')`. */
  typeOnly: boolean;
  /** `import('…')`: loaded at run time (its own chunk), still code the file depends on. */
  dynamic: boolean;
  /** A dynamic import whose module is not a plain string: no rule can check where it leads. */
  computed: boolean;
}

/**
 * The imports of one file: static imports and re-exports, side-effect imports, dynamic
 * `import(…)`, import types, and `new URL('…', import.meta.url)` (how workers and assets are
 * referenced, so bundled like imports).
 */
export function findImports(text: string, fileName = 'source.ts'): FoundImport[] {
  const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind);
  const found: FoundImport[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic = false, computed = false) =>
    found.push({ spec, typeOnly, dynamic, computed });

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) add(argument.text, false, true);
      else if (argument) add(argument.getText(source), false, true, true);
    } else if (ts.isImportTypeNode(node)) {
      const { argument } = node;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) {
        add(argument.literal.text, true, true);
      }
    } else if (isModuleUrl(node)) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `new URL('…', import.meta.url)`: a file the bundler resolves relative to this module. */
function isModuleUrl(node: ts.Node): node is ts.NewExpression & { arguments: [ts.StringLiteralLike, ts.Expression] } {
  if (!ts.isNewExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 'URL') {
    return false;
  }
  const [spec, base] = node.arguments ?? [];
  return (
    spec !== undefined &&
    ts.isStringLiteralLike(spec) &&
    base !== undefined &&
    ts.isPropertyAccessExpression(base) &&
    ts.isMetaProperty(base.expression) &&
    base.expression.keywordToken === ts.SyntaxKind.ImportKeyword &&
    base.name.text === 'url'
  );
}
