import { describe, expect, test } from "bun:test";
import { deviceQuery, forEach, isFiltered, LIST_DEFAULTS, PAGE_SIZE, withCurrent } from "./device-query";

const TEMPLATE = "0b9a7c1e-4f1d-4c7a-9a49-5b7f0d2c9e11";

describe("device list query", () => {
  test("URL parameters become the API's filter names", () => {
    expect(deviceQuery({ q: " pump ", status: "ACTIVE", connectivity: "ONLINE,STALE", site: "plant-1", template: TEMPLATE, tag: "north", offset: "50" })).toEqual({
      limit: PAGE_SIZE,
      offset: 50,
      search: "pump",
      status: "ACTIVE",
      connectivity: "ONLINE,STALE",
      siteId: "plant-1",
      templateId: TEMPLATE,
      tag: "north",
    });
    expect(deviceQuery(LIST_DEFAULTS)).toEqual({ limit: PAGE_SIZE, offset: 0 });
  });

  test("values the API would refuse are dropped, not sent", () => {
    expect(deviceQuery({ ...LIST_DEFAULTS, status: "BROKEN", connectivity: "ONLINE,NOPE", site: "bad site", template: "not-a-uuid", offset: "-3" })).toEqual({ limit: PAGE_SIZE, offset: 0 });
    expect(deviceQuery({ ...LIST_DEFAULTS, offset: "abc" }).offset).toBe(0);
    expect(deviceQuery({ ...LIST_DEFAULTS, offset: "12.7" }).offset).toBe(12);
  });

  test("whether anything filters the list", () => {
    expect(isFiltered(LIST_DEFAULTS)).toBe(false);
    expect(isFiltered({ ...LIST_DEFAULTS, offset: "50" })).toBe(false);
    expect(isFiltered({ ...LIST_DEFAULTS, tag: "north" })).toBe(true);
  });

  test("a select keeps a value from a link that is none of its options", () => {
    const options = [{ value: "", label: "Any" }, { value: "ONLINE", label: "online" }];
    expect(withCurrent(options, "ONLINE")).toBe(options);
    expect(withCurrent(options, "")).toBe(options);
    expect(withCurrent(options, "ONLINE,STALE")).toEqual([...options, { value: "ONLINE,STALE", label: "ONLINE,STALE" }]);
  });

  test("bulk actions run for every id, a few at a time, and report each failure", async () => {
    let running = 0;
    let most = 0;
    const seen: string[] = [];
    const r = await forEach(["a", "b", "c", "d", "e", "f"], async (id) => {
      running++;
      most = Math.max(most, running);
      await Bun.sleep(1);
      running--;
      seen.push(id);
      if (id === "c" || id === "e") throw new Error(`no ${id}`);
    }, 2);
    expect(seen.sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(most).toBe(2);
    expect(r.done).toBe(4);
    expect(r.failed.map((f) => [f.id, (f.error as Error).message]).sort()).toEqual([["c", "no c"], ["e", "no e"]]);
    expect(await forEach([], async () => {})).toEqual({ done: 0, failed: [] });
  });
});
