// eslint for the browser code: the agent desk, supervisor and reports pages
// (agent_ui/static) and the web chat widget (channels/webchat/static/widget).
// scripts/test installs eslint into .tools/ and runs `.tools/node_modules/.bin/eslint`.
//
// The pages load several classic <script>s that share one global scope, and the widget's
// parts are fragments of ONE function body (channels/webchat/widget_bundle.py joins
// them). So a name one file declares at its top level is a global for its siblings:
// each file gets its siblings' top-level names as globals, and no-undef still catches a
// name that nobody declares. A file written as an ES module (import/export) is linted as
// one, with no borrowed globals.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import js from "./.tools/node_modules/@eslint/js/src/index.js";
import globals from "./.tools/node_modules/globals/index.js";

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const GROUPS = [
  { dir: "agent_ui/static", fragments: false },
  { dir: "channels/webchat/static/widget", fragments: true },
];
// Declared at the start of a line (the files' top level), or published as window.name.
const TOP_LEVEL =
  /^(?:(?:export\s+)?(?:async\s+)?(?:const|let|var|class|function\*?)\s+|\s*window\.)([A-Za-z_$][\w$]*)/gm;
const IS_MODULE = /^\s*(?:import\s[^(]|export\s)/m;
const escape = (id) => id.replaceAll("$", "\\$");

function filesConfig({ dir, fragments }) {
  const names = fs
    .readdirSync(path.join(ROOT, dir))
    .filter((n) => n.endsWith(".js"))
    .sort();
  const sources = new Map(names.map((n) => [n, fs.readFileSync(path.join(ROOT, dir, n), "utf8")]));
  const declared = new Map(
    names.map((n) => [n, new Set([...sources.get(n).matchAll(TOP_LEVEL)].map((m) => m[1]))]),
  );
  return names.map((name) => {
    const module = IS_MODULE.test(sources.get(name));
    const shared = {};
    // A fragment's top-level name is "used" when another part uses it; one nobody uses is dead.
    const usedElsewhere = [...declared.get(name)].filter((id) => {
      const use = new RegExp(`(?<![\\w$.])${escape(id)}(?![\\w$])`);
      return names.some((other) => other !== name && use.test(sources.get(other)));
    });
    if (!module) {
      for (const [other, ids] of declared) {
        if (other === name) continue;
        // writable: a sibling may assign a `let` it shares (the widget's parts do).
        for (const id of ids) if (!declared.get(name).has(id)) shared[id] = "writable";
      }
    }
    return {
      files: [`${dir}/${name}`],
      languageOptions: {
        ecmaVersion: 2022,
        sourceType: module ? "module" : "script",
        // A widget part may `return` (env.js stops a second copy on one page).
        parserOptions: { ecmaFeatures: { globalReturn: fragments && !module } },
        globals: { ...globals.browser, ...shared },
      },
      rules: {
        // Top-level names are used by the sibling files, which this rule cannot see.
        "no-unused-vars": [
          "error",
          {
            vars: module || fragments ? "all" : "local",
            varsIgnorePattern:
              fragments && usedElsewhere.length ? `^(?:${usedElsewhere.map(escape).join("|")})$` : undefined,
            args: "none",
            caughtErrors: "none",
          },
        ],
      },
    };
  });
}

export default [
  // Only the project's own browser code (scripts/test names these folders too).
  { ignores: [".tools/**", ".venv*/**", "data/**", "build/**", "dist/**", "bench/**", "tests/**"] },
  { files: GROUPS.map((g) => `${g.dir}/*.js`), ...js.configs.recommended },
  ...GROUPS.flatMap(filesConfig),
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
];
