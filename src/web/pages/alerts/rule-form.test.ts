import { describe, expect, test } from "bun:test";
import { EMPTY_RULE, fieldLabel, fromRule, RuleForm, toBody, visibleErrors, type RuleDraft } from "./rule-form";
import type { AlertRule } from "./types";

const draft = (patch: Partial<RuleDraft>): RuleDraft => ({ ...EMPTY_RULE, name: "Freezer warm", ...patch });
const errorsOf = (d: RuleDraft) => {
  const r = RuleForm.safeParse(toBody(d));
  // As useForm keys them (lib/form's issuesToErrors; importing it here would pull in the browser session).
  const out: Record<string, string> = {};
  if (!r.success) for (const i of r.error.issues) out[i.path.join(".")] ??= i.message;
  return out;
};

describe("rule drafts → API body", () => {
  test("a threshold rule with several conditions, any of them, held", () => {
    const d = draft({
      severity: "4",
      threshold: { conditions: [{ metric: "temp_c", op: "GT", value: "-15" }, { metric: " door_open ", op: "EQ", value: "1" }], match: "any", holdSeconds: "300" },
      scope: { siteIds: ["s1"], groupIds: [], templateIds: [], tags: "freezer", deviceIds: "" },
    });
    expect(toBody(d)).toEqual({
      name: "Freezer warm",
      description: null,
      enabled: true,
      type: "threshold",
      severity: 4,
      definition: { conditions: [{ metric: "temp_c", op: "GT", value: -15 }, { metric: "door_open", op: "EQ", value: 1 }], match: "any", holdSeconds: 300 },
      scope: { siteIds: ["s1"], tags: ["freezer"] },
      escalationPolicyId: null,
    });
    expect(RuleForm.safeParse(toBody(d)).success).toBe(true);
  });

  test("each type sends only its own fields; blanks are left to the API's defaults", () => {
    const base = { metric: "power_w" };
    expect(toBody(draft({ type: "window", window: { ...EMPTY_RULE.window, ...base, aggregation: "max", value: "5000", minSamples: "" } })).definition).toEqual({
      metric: "power_w", aggregation: "max", windowSeconds: 300, op: "GT", value: 5000,
    });
    expect(toBody(draft({ type: "telemetry_gap", gap: { metric: "temp_c", gapSeconds: "600" } })).definition).toEqual({ metric: "temp_c", gapSeconds: 600 });
    expect(toBody(draft({ type: "anomaly", anomaly: { metric: "rms_mm_s", windowMinutes: "30", zThreshold: "2.5", minSamples: "" } })).definition).toEqual({
      metric: "rms_mm_s", windowMinutes: 30, zThreshold: 2.5,
    });
  });

  test("a stored rule round-trips through the draft", () => {
    const rule: AlertRule = {
      ruleId: "r1", name: "Vibration", description: "line 1", enabled: false, type: "window", severity: 5, severityName: "critical",
      definition: { metric: "rms_mm_s", aggregation: "avg", windowSeconds: 600, op: "GTE", value: 7.1, minSamples: 3 },
      scope: { groupIds: ["g1"], deviceIds: ["m-1", "m-2"] }, escalationPolicyId: "p1", createdBy: null, createdAt: "", updatedAt: "",
    };
    const body = toBody(fromRule(rule));
    expect(body).toEqual({ name: "Vibration", description: "line 1", enabled: false, type: "window", severity: 5, definition: rule.definition, scope: rule.scope, escalationPolicyId: "p1" });
  });
});

describe("RuleForm checks what the server checks, at the same paths", () => {
  test("a blank name, a bad condition and a bad scope tag", () => {
    const errors = errorsOf(draft({
      name: " ",
      threshold: { conditions: [{ metric: "temp_c", op: "GT", value: "" }, { metric: "", op: "LT", value: "abc" }], match: "all", holdSeconds: "90000" },
      scope: { ...EMPTY_RULE.scope, tags: "ok, a\u0007b" },
    }));
    expect(Object.keys(errors).sort()).toEqual([
      "definition.conditions.0.value",
      "definition.conditions.1.metric",
      "definition.conditions.1.value",
      "definition.holdSeconds",
      "name",
      "scope.tags.1",
    ]);
  });

  test("window and gap limits come from the API's definition schemas", () => {
    expect(Object.keys(errorsOf(draft({ type: "window", window: { ...EMPTY_RULE.window, metric: "x", value: "1", windowSeconds: "30" } })))).toEqual(["definition.windowSeconds"]);
    expect(Object.keys(errorsOf(draft({ type: "telemetry_gap", gap: { metric: "x", gapSeconds: "10" } })))).toEqual(["definition.gapSeconds"]);
    expect(errorsOf(draft({ type: "threshold", threshold: { conditions: [], match: "all", holdSeconds: "" } }))).toEqual({ "definition.conditions": expect.any(String) });
  });
});

describe("fieldLabel", () => {
  test("names fields as the editor labels them", () => {
    expect(fieldLabel("definition.conditions.1.value")).toBe("Condition 2 value");
    expect(fieldLabel("definition.conditions.0.op")).toBe("Condition 1 operator");
    expect(fieldLabel("definition.conditions")).toBe("Conditions");
    expect(fieldLabel("scope.tags.3")).toBe("Tags");
    expect(fieldLabel("definition.windowSeconds")).toBe("Window (seconds)");
    expect(fieldLabel("somethingElse")).toBe("somethingElse");
  });
});

describe("visibleErrors", () => {
  test("editing a field hides the errors it fed", () => {
    const errors = { name: "required", "definition.conditions.0.value": "expected number", "scope.tags.0": "bad tag" };
    expect(visibleErrors(errors, new Set())).toEqual(errors);
    expect(visibleErrors(errors, new Set(["threshold"] as const))).toEqual({ name: "required", "scope.tags.0": "bad tag" });
    expect(visibleErrors(errors, new Set(["name", "scope"] as const))).toEqual({ "definition.conditions.0.value": "expected number" });
  });
});
