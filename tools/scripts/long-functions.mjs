// Lists the functions in src/ longer than a limit (issue 14: "no function over 80 lines"), longest first, with the
// TypeScript compiler API: every function declaration, method, accessor, constructor, function expression and arrow
// function, counted from its first to its last line (a function's nested functions count in its own length too).
//
//   node tools/scripts/long-functions.mjs            # src/, over 80 lines
//   node tools/scripts/long-functions.mjs src/azure 60
// Exits 0 always: it is a list to read, not a gate.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const root = process.argv[2] ?? "src";
const limit = Number(process.argv[3] ?? 80);

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(entry) && !entry.endsWith(".d.ts")) yield path;
  }
}

function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name) {
    return parent.name.getText();
  }
  return "(anonymous)";
}

const found = [];
for (const file of sourceFiles(root)) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (end - start + 1 > limit)
        found.push({ where: `${relative(".", file)}:${start}`, name: nameOf(node), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found) console.log(`${String(f.lines).padStart(4)}  ${f.where}  ${f.name}`);
console.log(`${found.length} function(s) over ${limit} lines in ${root}`);
