export { FakeGitHub, type RecordedRequest } from "./fake-github.js";
