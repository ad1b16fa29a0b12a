type Method = (...args: never[]) => unknown;
type Methods = Partial<Record<PropertyKey, Method>>;

/** A prototype whose methods answer with an object's own overlay, and the overlays by object. */
interface Layer {
  prototype: object;
  overlays: WeakMap<object, Methods>;
}

/** Layers by the prototype an overlaid object had (a platform class's, or a layer), then keys. */
const layers = new WeakMap<object, Map<string, Layer>>();

/**
 * Gives one object (a response, its body) these methods in place of its own, by putting a layer
 * of methods between the object and the prototype it had. Writing the methods onto the object
 * itself would be simpler, but on Node 20 each property written onto a platform object (a web
 * stream, a fetch `Response`) costs microseconds, and slows the platform's own use of that object
 * afterwards. An object overlaid again (by a second guard) gets a layer over the first one's, so
 * each observes in turn. The object stays the same object, of the same class.
 */
export function overlay<T extends object>(target: T, keys: PropertyKey[], methods: Methods): T {
  const base = Object.getPrototypeOf(target) as object;
  const name = keys.map(String).join("\u0000");
  let byKeys = layers.get(base);
  if (!byKeys) {
    byKeys = new Map();
    layers.set(base, byKeys);
  }
  let layer = byKeys.get(name);
  if (!layer) {
    layer = layerOver(base, keys);
    byKeys.set(name, layer);
  }

  layer.overlays.set(target, methods);
  Object.setPrototypeOf(target, layer.prototype);
  return target;
}

function layerOver(base: object, keys: PropertyKey[]): Layer {
  const overlays = new WeakMap<object, Methods>();
  const prototype = Object.create(base) as object;

  for (const key of keys) {
    Object.defineProperty(prototype, key, {
      configurable: true,
      writable: true,
      value(this: object, ...args: never[]) {
        // An object that got this prototype some other way has no overlay: it works as before.
        const own = overlays.get(this)?.[key];
        if (own) return own(...args);
        return (Reflect.get(base, key, this) as Method).apply(this, args);
      },
    });
  }
  return { prototype, overlays };
}
