import { describe, expect, test } from "bun:test";
import { moveRule, type Ordered } from "./rule-order";

const apply = (rules: Ordered[], changes: Ordered[]) =>
  rules
    .map((r) => changes.find((c) => c.routeId === r.routeId) ?? r)
    .sort((a, b) => a.priority - b.priority)
    .map((r) => r.routeId);

describe("moving routing rules", () => {
  test("distinct priorities: the two rules swap theirs", () => {
    const rules = [
      { routeId: "a", priority: 5 },
      { routeId: "b", priority: 20 },
      { routeId: "c", priority: 100 },
    ];
    const changes = moveRule(rules, "c", -1);
    expect(changes).toEqual([
      { routeId: "c", priority: 20 },
      { routeId: "b", priority: 100 },
    ]);
    expect(apply(rules, changes)).toEqual(["a", "c", "b"]);
  });

  test("tied priorities (every rule at the default 100): the list is renumbered", () => {
    const rules = ["a", "b", "c", "d"].map((routeId) => ({ routeId, priority: 100 }));
    const changes = moveRule(rules, "a", 1);
    expect(changes).toEqual([
      { routeId: "b", priority: 10 },
      { routeId: "a", priority: 20 },
      { routeId: "c", priority: 30 },
      { routeId: "d", priority: 40 },
    ]);
    expect(apply(rules, changes)).toEqual(["b", "a", "c", "d"]);
  });

  test("renumbering leaves rules already at their number alone", () => {
    const rules = [
      { routeId: "a", priority: 10 },
      { routeId: "b", priority: 20 },
      { routeId: "c", priority: 20 },
    ];
    const changes = moveRule(rules, "b", 1);
    expect(changes).toEqual([{ routeId: "b", priority: 30 }]);
    expect(apply(rules, changes)).toEqual(["a", "c", "b"]);
  });

  test("the first cannot go up, the last cannot go down, an unknown id does nothing", () => {
    const rules = [
      { routeId: "a", priority: 1 },
      { routeId: "b", priority: 2 },
    ];
    expect(moveRule(rules, "a", -1)).toEqual([]);
    expect(moveRule(rules, "b", 1)).toEqual([]);
    expect(moveRule(rules, "zz", 1)).toEqual([]);
  });
});
