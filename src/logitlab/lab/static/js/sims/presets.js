// The preset selector shared by the simulations that use two-class data.
export const PRESET_OPTIONS = [
  ["separable", "separable"], ["overlapping", "overlapping"], ["outlier", "one outlier"],
  ["xor", "XOR"], ["rings", "rings"], ["imbalanced", "imbalanced"], ["nearly_separable", "nearly separable"],
];
export function presetSelect(ctx, key = "preset", options = PRESET_OPTIONS) {
  return ctx.select({ key, label: "data", options });
}
