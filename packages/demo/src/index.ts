export { BugFamily } from "./bug-families.js";
export { DemoGroundTruth, DemoVerdict } from "./ground-truth.js";
export { type DemoWorld, DemoWorldConfig, writeDemoWorld } from "./write-demo-world.js";
