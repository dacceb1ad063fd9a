export { FakeGitHub } from "./fake-github.js";
