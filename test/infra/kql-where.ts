/**
 * Evaluates the `where` predicate of the pull-failure alert query on one row, for the operators it may use:
 * `and`, `or`, parentheses, `Col in~ ("a", "b")`, `Col =~ "a"`, `Col contains "a"` (case-insensitive substring) and
 * `Col has "a"`. KQL `has` matches whole terms: this reads it strictly, as spec/pull-path.md v2 does ("KQL `has`
 * matches whole terms only: `ImagePullFailure` inside `'ImagePullFailure'` needs `contains`"): the right side must
 * equal a whitespace-delimited word of the left side, case-insensitively. Anything else throws.
 */
export type Row = Record<string, string>;

type Node = { kind: "and" | "or"; operands: Node[] } | { kind: "test"; column: string; op: string; values: string[] };

const TOKEN = /\s*(\(|\)|,|"(?:[^"\\]|\\.)*"|in~|=~|[A-Za-z_]\w*)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null = TOKEN.exec(text);
  let end = 0;
  while (m !== null) {
    tokens.push(m[1] ?? "");
    end = TOKEN.lastIndex;
    m = TOKEN.exec(text);
  }
  if (text.slice(end).trim() !== "") throw new Error(`unreadable KQL near: ${text.slice(end, end + 40)}`);
  return tokens;
}

export function parseWhere(text: string): Node {
  const tokens = tokenize(text);
  let pos = 0;
  const literal = (): string => {
    const t = tokens[pos++] ?? "";
    if (!t.startsWith('"')) throw new Error(`expected a string, got ${t}`);
    return JSON.parse(t) as string;
  };
  const binary = (kind: "and" | "or", next: () => Node): Node => {
    const operands = [next()];
    while (tokens[pos] === kind) {
      pos++;
      operands.push(next());
    }
    return operands.length === 1 ? (operands[0] as Node) : { kind, operands };
  };
  const primary = (): Node => {
    const t = tokens[pos++] ?? "";
    if (t === "(") {
      const inner = binary("or", () => binary("and", primary));
      if (tokens[pos++] !== ")") throw new Error("missing )");
      return inner;
    }
    if (!/^[A-Za-z_]\w*$/.test(t)) throw new Error(`expected a column, got ${t}`);
    const op = tokens[pos++] ?? "";
    if (op === "in~") {
      if (tokens[pos++] !== "(") throw new Error("in~ needs (");
      const values = [literal()];
      while (tokens[pos] === ",") {
        pos++;
        values.push(literal());
      }
      if (tokens[pos++] !== ")") throw new Error("in~ list not closed");
      return { kind: "test", column: t, op, values };
    }
    if (op === "=~" || op === "contains" || op === "has") return { kind: "test", column: t, op, values: [literal()] };
    throw new Error(`operator ${op} is not supported`);
  };
  const tree = binary("or", () => binary("and", primary));
  if (pos !== tokens.length) throw new Error(`trailing KQL: ${tokens.slice(pos).join(" ")}`);
  return tree;
}

export function matches(node: Node, row: Row): boolean {
  if (node.kind !== "test")
    return node.kind === "and"
      ? node.operands.every((n) => matches(n, row))
      : node.operands.some((n) => matches(n, row));
  const actual = (row[node.column] ?? "").toLowerCase();
  const wanted = node.values.map((v) => v.toLowerCase());
  switch (node.op) {
    case "in~":
    case "=~":
      return wanted.includes(actual);
    case "contains":
      return actual.includes(wanted[0] ?? "");
    default:
      return actual.split(/\s+/).includes(wanted[0] ?? "");
  }
}
