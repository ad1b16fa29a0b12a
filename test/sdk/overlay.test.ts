import { describe, expect, test } from "vitest";

import { overlay } from "../../src/sdk/overlay.js";

describe("overlay", () => {
  test("replaces an object's methods in place, keeping it the same object of the same class", async () => {
    const response = new Response('{"a":1}');
    const seen: unknown[] = [];
    const json = response.json;

    const same = overlay(response, ["json"], {
      json: async () => {
        const body: unknown = await json.call(response);
        seen.push(body);
        return body;
      },
    });

    expect(same).toBe(response);
    expect(response).toBeInstanceOf(Response);
    expect(Object.getOwnPropertyNames(response)).toEqual([]);
    expect(await response.json()).toEqual({ a: 1 });
    expect(seen).toEqual([{ a: 1 }]);
    // Methods it did not replace are the class's own.
    expect(response.bodyUsed).toBe(true);
  });

  test("a second overlay wraps the first, and other objects of the class are untouched", async () => {
    const calls: string[] = [];
    const wrap = (response: Response, name: string) => {
      const text = response.text;
      overlay(response, ["text"], {
        text: async () => {
          calls.push(name);
          return text.call(response);
        },
      });
    };
    const response = new Response("hello");
    wrap(response, "first");
    wrap(response, "second");

    expect(await response.text()).toBe("hello");
    expect(calls).toEqual(["second", "first"]);

    // Another response given the same layer without an overlay of its own reads as before.
    const other = new Response("other");
    Object.setPrototypeOf(other, Object.getPrototypeOf(response));
    expect(await other.text()).toBe("other");
    expect(await new Response("plain").text()).toBe("plain");
    expect(calls).toEqual(["second", "first"]);
  });
});
