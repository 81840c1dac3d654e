import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cutoverHome, homeAndSource, homeProblem } from "./home.ts";

describe("the state directory", () => {
  it("is CUTOVER_HOME, else $XDG_STATE_HOME/cutover, else ~/.local/state/cutover, whatever the working directory", () => {
    expect(cutoverHome({ CUTOVER_HOME: "/srv/cutover", XDG_STATE_HOME: "/x" })).toBe("/srv/cutover");
    expect(cutoverHome({ CUTOVER_HOME: "rel" })).toBe(resolve("rel"));
    expect(homeAndSource({ XDG_STATE_HOME: "/var/state", HOME: "/home/a" })).toEqual({
      path: "/var/state/cutover",
      source: "XDG_STATE_HOME",
    });
    // The XDG spec ignores a relative XDG_STATE_HOME.
    expect(homeAndSource({ XDG_STATE_HOME: "state", HOME: "/home/a" })).toEqual({
      path: "/home/a/.local/state/cutover",
      source: "default",
    });
    expect(cutoverHome({ HOME: "/home/a" })).toBe("/home/a/.local/state/cutover");
  });

  it("names a file standing where the directory should be", () => {
    const dir = mkdtempSync(join(tmpdir(), "cutover-home-"));
    const file = join(dir, "f");
    writeFileSync(file, "x");
    expect(homeProblem({ CUTOVER_HOME: dir })).toBeUndefined();
    expect(homeProblem({ CUTOVER_HOME: join(dir, "new", "deeper") })).toBeUndefined();
    expect(homeProblem({ CUTOVER_HOME: file })).toBe(`CUTOVER_HOME (${file}) is not a directory`);
    expect(homeProblem({ CUTOVER_HOME: join(file, "below") })).toBe(
      `CUTOVER_HOME (${join(file, "below")}) cannot be created: ${file} is not a directory`,
    );
    expect(homeProblem({ XDG_STATE_HOME: file })).toMatch(/^XDG_STATE_HOME \(.*\) cannot be created: /);
  });
});
