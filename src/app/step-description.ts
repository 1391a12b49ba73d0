/** One sentence per plan step, shared by the CLI output and the notifications (each step module says its own). */
export { describeStep } from "../core/steps/index.js";
