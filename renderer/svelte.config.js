// Svelte 5 compiles TypeScript in <script lang="ts"> itself; no preprocessors needed.
export default {};
