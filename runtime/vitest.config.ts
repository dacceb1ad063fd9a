import { defineConfig } from "vitest/config";
import { unitConfig } from "../vitest.shared.js";

export default defineConfig(unitConfig);
