// A model's variants as one list, and which serving variant takes a call. Pure: tested with plain
// values (test/gateway/route-variants.unit.test.ts).
import type { ModelRoute, ReplicaHandle, VariantRole } from './types.ts';

/** One variant of a route, the primary included, with the weight it serves or mirrors. */
export type Variant = {
  role: VariantRole;
  deploymentId: number;
  build: number;
  /** Primary: what the canaries leave of 100. Canary: percent of calls. Shadow: percent mirrored. */
  weight: number;
  replicas: ReplicaHandle[];
};

/**
 * The route's variants, primary first, then canaries and shadows in the order given. Throws on
 * a route no caller should build (a weight outside 0–100, a variant sharing the primary's
 * deployment, canaries over 100 %): routes come from Slipway's own code, so this is a bug.
 */
export function routeVariants(route: ModelRoute): Variant[] {
  const extra = route.variants ?? [];
  let canaryWeight = 0;
  const seen = new Set<number>([route.deploymentId]);
  for (const variant of extra) {
    if (!(variant.weight >= 0 && variant.weight <= 100)) {
      throw new RangeError(`route ${route.name}: the ${variant.role} of deployment ${variant.deploymentId} has weight ${variant.weight}; use 0 to 100`);
    }
    if (seen.has(variant.deploymentId)) {
      throw new RangeError(`route ${route.name}: deployment ${variant.deploymentId} is listed twice among its variants`);
    }
    seen.add(variant.deploymentId);
    if (variant.role === 'canary') canaryWeight += variant.weight;
  }
  if (canaryWeight > 100) throw new RangeError(`route ${route.name}: its canaries take ${canaryWeight} % of calls; at most 100`);
  const primary: Variant = {
    role: 'primary', deploymentId: route.deploymentId, build: route.build, weight: 100 - canaryWeight, replicas: route.replicas,
  };
  return [primary, ...extra.map((v) => ({ role: v.role, deploymentId: v.deploymentId, build: v.build, weight: v.weight, replicas: v.replicas }))];
}

/**
 * The serving variant (primary or canary) that takes a call, by weight: `draw` is uniform in
 * [0, 1). The first of `serving` is the primary and takes whatever no canary's share covers.
 */
export function pickServing<T>(serving: readonly T[], weightOf: (variant: T) => number, draw: number): T {
  let point = draw * 100;
  for (let i = 1; i < serving.length; i++) {
    const weight = weightOf(serving[i]);
    if (point < weight) return serving[i];
    point -= weight;
  }
  return serving[0];
}

/** Whether a shadow of this weight gets a copy of a call, for a `draw` uniform in [0, 1). */
export function mirrors(weight: number, draw: number): boolean {
  return draw * 100 < weight;
}
