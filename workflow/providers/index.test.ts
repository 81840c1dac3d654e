import { describe, expect, it } from "vitest";
import { createProvider, PROVIDER_SPEC_FORMS, ProviderSpecError } from "./index.ts";

const request = {
  nodeId: "n",
  model: "gpt-4o-mini",
  prompt: "Describe the weather report.",
  outputFormat: "text" as const,
};

describe("createProvider", () => {
  it("builds each provider a spec names without touching the environment or files", () => {
    expect(createProvider("mock").name).toBe("mock");
    expect(createProvider("openai").name).toBe("openai");
    expect(createProvider("replay:/nowhere/cassette.json").name).toBe("replay");
    expect(createProvider("record:/nowhere/cassette.json").name).toBe("openai");
    expect(createProvider("record-mock:/nowhere/cassette.json").name).toBe("mock");
  });

  it("passes mock options through: salt changes answers, latency is accepted", async () => {
    const plain = await createProvider("mock").complete(request);
    const salted = await createProvider("mock:salt=demo").complete(request);
    const both = await createProvider("mock:latency=1,salt=demo").complete(request);
    expect(salted.output).not.toEqual(plain.output);
    expect(both.output).toEqual(salted.output);
    expect((await createProvider("mock:latency=0").complete(request)).output).toEqual(plain.output);
  });

  it.each([
    ["gpt", /no provider has that name/],
    ["", /no provider has that name/],
    ["mock:latency=fast", /latency must be a whole number/],
    ["mock:speed=1", /no option "speed"/],
    ["mock:salt", /has no value/],
    ["mock:salt=", /salt is empty/],
    ["replay:", /needs a cassette path/],
    ["record-mock:  ", /needs a cassette path/],
  ])("refuses %j, naming it and listing the valid forms", (spec, why) => {
    let thrown: unknown;
    try {
      createProvider(spec);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProviderSpecError);
    const message = (thrown as Error).message;
    expect(message).toContain(JSON.stringify(spec));
    expect(message).toMatch(why);
    for (const form of PROVIDER_SPEC_FORMS) expect(message).toContain(form);
  });
});
