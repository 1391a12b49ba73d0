/**
 * Conditions on role assignments that delegate role-assignment management (ABAC condition version 2.0), as Azure
 * evaluates them for the control-plane actions `Microsoft.Authorization/roleAssignments/write` and `/delete`.
 *
 * Sources (learn.microsoft.com, azure/role-based-access-control/):
 * - conditions-authorization-actions-attributes: the write action has the *request* attributes RoleDefinitionId,
 *   PrincipalId and PrincipalType; the delete action has the same three as *resource* attributes (of the assignment
 *   being deleted). Operators: GuidEquals, GuidNotEquals, ForAnyOfAnyValues:GuidEquals,
 *   ForAnyOfAllValues:GuidNotEquals for the GUIDs; StringEqualsIgnoreCase, StringNotEquals,
 *   ForAnyOfAnyValues:StringEqualsIgnoreCase, ForAnyOfAllValues:StringNotEquals for the principal type.
 * - delegate-role-assignments-examples ("Example: Constrain roles"): the form
 *   `((!(ActionMatches{'…/write'})) OR (@Request[…:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {…}))`: an action
 *   the guard does not name passes; the named action passes only when the expression holds.
 * - troubleshooting ("Symptom - Unable to assign a role"): a refused write answers 403 AuthorizationFailed "…does not
 *   have authorization or an ABAC condition not fulfilled to perform action …" (see `conditionDenied` in arm.ts).
 *
 * An attribute the action does not carry, or text outside this grammar, makes the condition false: the emulator
 * refuses what it cannot read, as a conservative authorizer would (an assumption: Azure validates the condition when
 * the assignment is written, so a real unreadable condition never reaches evaluation).
 */

/** Attribute values of one role assignment: RoleDefinitionId (GUID), PrincipalId, PrincipalType. */
export type ConditionValues = Partial<Record<ConditionAttribute, string>>;

export interface ConditionRequest {
  action: string;
  /** @Request attributes (roleAssignments/write). */
  request?: ConditionValues;
  /** @Resource attributes (roleAssignments/delete): those of the assignment being deleted. */
  resource?: ConditionValues;
}

export type ConditionAttribute = "RoleDefinitionId" | "PrincipalId" | "PrincipalType";

type Node =
  | { kind: "not"; operand: Node }
  | { kind: "and" | "or"; operands: Node[] }
  | { kind: "action"; action: string }
  | { kind: "attribute"; source: "Request" | "Resource"; attribute: string; operator: string; values: string[] };

const TOKEN =
  /\s*(\(|\)|!|NOT\b|AND\b|OR\b|&&|\|\||ActionMatches\{'[^']*'\}|@(?:Request|Resource)\[[^\]]*\]\s+[A-Za-z:]+\s+(?:\{[^}]*\}|'[^']*'|[0-9a-fA-F-]{36}))/y;

function tokenize(condition: string): string[] | null {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null = TOKEN.exec(condition);
  let end = 0;
  while (m) {
    tokens.push((m[1] ?? "").trim());
    end = TOKEN.lastIndex;
    m = TOKEN.exec(condition);
  }
  return condition.slice(end).trim() === "" ? tokens : null;
}

function parse(condition: string): Node | null {
  const list = tokenize(condition);
  if (!list || list.length === 0) return null;
  let pos = 0;
  const isAnd = (t: string | undefined) => t === "AND" || t === "&&";
  const isOr = (t: string | undefined) => t === "OR" || t === "||";
  const unary = (): Node => {
    const t = list[pos++];
    if (t === "!" || t === "NOT") return { kind: "not", operand: unary() };
    if (t === "(") {
      const inner = disjunction();
      if (list[pos++] !== ")") throw new Error("missing )");
      return inner;
    }
    if (t?.startsWith("ActionMatches{")) return { kind: "action", action: /'([^']*)'/.exec(t)?.[1] ?? "" };
    const m = t ? /^@(Request|Resource)\[([^\]]*)\]\s+([A-Za-z:]+)\s+(.*)$/s.exec(t) : null;
    if (!m) throw new Error(`unexpected ${t}`);
    return {
      kind: "attribute",
      source: m[1] as "Request" | "Resource",
      attribute: m[2] ?? "",
      operator: (m[3] ?? "").toLowerCase(),
      values: (m[4] ?? "")
        .replace(/^\{|\}$/g, "")
        .split(",")
        .map((v) => v.trim().replace(/^'|'$/g, "").toLowerCase())
        .filter((v) => v !== ""),
    };
  };
  // AND binds tighter than OR, as in the documented condition format.
  const conjunction = (): Node => {
    const operands = [unary()];
    while (isAnd(list[pos])) {
      pos++;
      operands.push(unary());
    }
    return operands.length === 1 ? (operands[0] as Node) : { kind: "and", operands };
  };
  const disjunction = (): Node => {
    const operands = [conjunction()];
    while (isOr(list[pos])) {
      pos++;
      operands.push(conjunction());
    }
    return operands.length === 1 ? (operands[0] as Node) : { kind: "or", operands };
  };
  try {
    const tree = disjunction();
    return pos === list.length ? tree : null;
  } catch {
    return null;
  }
}

const ATTRIBUTE_PREFIX = "microsoft.authorization/roleassignments:";

function compare(operator: string, actual: string, values: string[]): boolean | null {
  const a = actual.toLowerCase();
  const inList = values.includes(a);
  switch (operator) {
    case "guidequals":
    case "stringequals":
    case "stringequalsignorecase":
      return values.length === 1 && inList;
    case "foranyofanyvalues:guidequals":
    case "foranyofanyvalues:stringequalsignorecase":
    case "foranyofanyvalues:stringequals":
      return inList;
    case "guidnotequals":
    case "stringnotequals":
    case "foranyofallvalues:guidnotequals":
    case "foranyofallvalues:stringnotequals":
      return !inList;
    default:
      return null;
  }
}

/** Whether `condition` lets `req` through. Unreadable conditions and missing attributes refuse. */
export function conditionAllows(condition: string, req: ConditionRequest): boolean {
  const tree = parse(condition);
  if (!tree) return false;
  const evaluate = (node: Node): boolean => {
    switch (node.kind) {
      case "not":
        return !evaluate(node.operand);
      case "and":
        return node.operands.every(evaluate);
      case "or":
        return node.operands.some(evaluate);
      case "action":
        return node.action.toLowerCase() === req.action.toLowerCase();
      case "attribute": {
        const attribute = node.attribute.toLowerCase();
        if (!attribute.startsWith(ATTRIBUTE_PREFIX)) return false;
        const name = node.attribute.slice(ATTRIBUTE_PREFIX.length) as ConditionAttribute;
        const actual = (node.source === "Request" ? req.request : req.resource)?.[name];
        if (actual === undefined) return false;
        return compare(node.operator, actual, node.values) ?? false;
      }
    }
  };
  return evaluate(tree);
}

/** Whether the text parses in the grammar above (the world loader uses it to reject a condition it cannot read). */
export function conditionReadable(condition: string): boolean {
  return parse(condition) !== null;
}
