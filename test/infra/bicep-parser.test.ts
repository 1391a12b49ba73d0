// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Bicep and azd text, whose ${...} is theirs, not JavaScript's
import { describe, expect, it } from "vitest";
import {
  arrayItems,
  declarations,
  objectBody,
  properties,
  propertyAt,
  resolveString,
  resources,
  stringLiteral,
  stringScope,
  stripComments,
} from "./bicep.js";

const SAMPLE = `targetScope = 'subscription'

// a comment with 'quotes' and resource fake 'X@1' = {}
@secure()
@description('A URL; // not a comment')
param hookUrl string = ''

@allowed([
  'a'
  'b'
])
param choice string

var roles = loadJsonContent('../roles.json')
var clause = 'ActionMatches{\\'x\\'} {\${roles.AcrPull}}'
var whole = '(\${clause})'
var query = '''
Table | where x has 'y' // kept: verbatim string
'''

resource store 'Microsoft.Storage/storageAccounts@2023-05-01' = if (!empty(hookUrl)) {
  name: 'st\${uniqueString('{')}'
  properties: {
    allowSharedKeyAccess: false /* inline */
    list: [
      'one'
      { nested: true }
    ]
  }

  resource blob 'blobServices' = {
    name: 'default'
  }
}

resource existingOne 'Microsoft.Web/sites@2024-04-01' existing = {
  name: 'x'
}

@description('An output.')
output id string = store.id
`;

describe("the Bicep reader", () => {
  it("drops comments but keeps strings, including ones that look like comments", () => {
    const text = stripComments(SAMPLE);
    expect(text).not.toContain("a comment with");
    expect(text).not.toContain("inline");
    expect(text).toContain("A URL; // not a comment");
    expect(text).toContain("// kept: verbatim string");
    expect(text.length).toBe(SAMPLE.length);
  });

  it("finds declarations with their decorators, nesting and default", () => {
    const decls = declarations(SAMPLE);
    const hook = decls.find((d) => d.name === "hookUrl");
    expect(hook?.decorators).toEqual(["@secure()", "@description('A URL; // not a comment')"]);
    expect(hook?.assigned).toBe(true);
    const choice = decls.find((d) => d.name === "choice");
    expect(choice?.assigned).toBe(false);
    expect(choice?.decorators[0]).toContain("@allowed([");
    expect(decls.filter((d) => d.kind === "resource").map((d) => [d.name, d.depth])).toEqual([
      ["store", 0],
      ["blob", 1],
      ["existingOne", 0],
    ]);
    expect(decls.find((d) => d.name === "fake")).toBeUndefined(); // it was in a comment
    expect(decls.find((d) => d.name === "id")?.decorators).toEqual(["@description('An output.')"]);
  });

  it("splits resource types and api-versions and knows existing resources", () => {
    expect(resources(SAMPLE).map((r) => [r.resourceType, r.apiVersion, r.existing])).toEqual([
      ["Microsoft.Storage/storageAccounts", "2023-05-01", false],
      ["blobServices", null, false],
      ["Microsoft.Web/sites", "2024-04-01", true],
    ]);
  });

  it("reads object properties, paths and array items", () => {
    const store = declarations(SAMPLE).find((d) => d.name === "store");
    const body = objectBody(store?.value ?? "");
    expect(properties(body).map((p) => p.key)).toEqual(["name", "properties"]); // the nested resource is not a property
    expect(propertyAt(body, ["properties", "allowSharedKeyAccess"])).toBe("false");
    expect(arrayItems(propertyAt(body, ["properties", "list"]) ?? "")).toEqual(["'one'", "{ nested: true }"]);
    expect(propertyAt(body, ["properties", "missing"])).toBeNull();
  });

  it("resolves interpolated strings through vars and bound JSON, and refuses what it cannot read", () => {
    const scope = stringScope(SAMPLE, { roles: { AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d" } });
    expect(resolveString("whole", scope)).toBe("(ActionMatches{'x'} {7f951dda-4ed3-4680-a7ca-43fe172d538d})");
    expect(() => resolveString("'${roles.Nope}'", scope)).toThrow(/cannot resolve/);
    expect(() => resolveString("concat('a', 'b')", scope)).toThrow(/not a string/);
    expect(stringLiteral("'it\\'s'")).toBe("it's");
    expect(stringLiteral("'a${b}'")).toBeNull();
  });
});
