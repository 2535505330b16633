// eslint for the browser code: the agent desk, supervisor and reports pages
// (agent_ui/static) and the web chat widget (channels/webchat/static/widget).
// scripts/test installs eslint into .tools/ and runs `.tools/node_modules/.bin/eslint`.
//
// Every file is an ES module: the pages load theirs with <script type="module"> and the
// widget's are bundled into /widget.js by channels/webchat/module_bundle.py. So each file
// is linted on its own, as a module, with the browser's globals only: a name it neither
// declares nor imports is an error (no-undef), and so is one it declares or imports and
// never uses (no-unused-vars), exports aside.
import js from "./.tools/node_modules/@eslint/js/src/index.js";
import globals from "./.tools/node_modules/globals/index.js";

const BROWSER_CODE = ["agent_ui/static/*.js", "channels/webchat/static/widget/*.js"];

export default [
  // Only the project's own browser code (scripts/test names these folders too).
  { ignores: [".tools/**", ".venv*/**", "data/**", "build/**", "dist/**", "bench/**", "tests/**"] },
  { files: BROWSER_CODE, ...js.configs.recommended },
  {
    files: BROWSER_CODE,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
    rules: {
      "no-unused-vars": ["error", { vars: "all", args: "none", caughtErrors: "none" }],
    },
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
];
