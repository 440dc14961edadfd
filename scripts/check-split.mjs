// Fails the build when the WASM splitter left the chunks' strings in the main
// module. wasm-split puts each data symbol in the module that uses it, unless
// padding makes the split data longer than the linker's segment: then it
// keeps the whole segment in the main module (its "Overlong segment" warning,
// which cargo-leptos does not show) and every first load grows by about 6 KB
// gzip. `SPLIT_SLACK` in src/ui/chunk.rs gives it room; this says when that
// room ran out.
//
// Usage: node scripts/check-split.mjs [pkg-dir]   (default target/site/pkg)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = process.argv[2] ?? 'target/site/pkg';
// Chunks whose own texts only they show: each must carry data of its own.
const CHUNKS = ['split_projects_page.wasm', 'split_project_page.wasm', 'split_later_screens.wasm'];
const DATA_SECTION = 11;

/** The byte length of a module's data section (0 when it has none). */
function dataBytes(bytes) {
  let at = 8; // magic and version
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id === DATA_SECTION) return size;
    at += size;
  }
  return 0;
}

let failed = false;
for (const chunk of CHUNKS) {
  let bytes;
  try {
    bytes = readFileSync(join(pkg, chunk));
  } catch (error) {
    console.error(`[check-split] ${join(pkg, chunk)}: ${error.message} (build with --split first)`);
    process.exit(1);
  }
  const size = dataBytes(bytes);
  console.log(`[check-split] ${chunk}: ${size} bytes of data of its own`);
  if (size === 0) failed = true;
}
if (failed) {
  console.error(
    '[check-split] the splitter left the chunks\' data in the main module (about 6 KB gzip more ' +
      'on every first load): raise SPLIT_SLACK in src/ui/chunk.rs',
  );
  process.exit(1);
}
