// Parameter groups for per-layer curvature: the parameters of one module prefix
// (everything before a parameter name's last dot: '3.weight' and '3.bias' form
// group '3'), and 'all' for the whole network.
import type { Module } from '../../nn/index.js';
import type { Tensor } from '../../tensor/index.js';

/** A named subset of a model's parameters (names as in namedParameters). */
export interface ParamGroup {
  name: string;
  names: string[];
  params: Tensor[];
}

/** The group of all parameters. */
export const ALL = 'all';

/** The module prefix a parameter belongs to ('' for a parameter of the root module). */
function prefixOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(0, dot);
}

/** The parameters that require gradients, with their names. */
function trainable(model: Module): [string, Tensor][] {
  return model.namedParameters().filter(([, p]) => p.requiresGrad);
}

/** One group per module that owns parameters, in parameter order (root parameters form group ''). */
export function layerGroups(model: Module): ParamGroup[] {
  const groups = new Map<string, ParamGroup>();
  for (const [name, p] of trainable(model)) {
    const prefix = prefixOf(name);
    const g = groups.get(prefix) ?? { name: prefix, names: [], params: [] };
    g.names.push(name);
    g.params.push(p);
    groups.set(prefix, g);
  }
  return [...groups.values()];
}

/** The group named `name`: 'all' or a module prefix of layerGroups; throws naming the known groups otherwise. */
export function paramGroup(model: Module, name: string = ALL): ParamGroup {
  if (name === ALL) {
    const named = trainable(model);
    return { name: ALL, names: named.map(([n]) => n), params: named.map(([, p]) => p) };
  }
  const layers = layerGroups(model);
  const g = layers.find((l) => l.name === name);
  if (!g) {
    const known = [ALL, ...layers.map((l) => `'${l.name}'`)].join(', ');
    throw new RangeError(`unknown parameter group '${name}' (known: ${known})`);
  }
  return g;
}
