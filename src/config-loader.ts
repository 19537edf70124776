// cosmiconfig, loaded only when a config file exists (see config.ts, anyConfigFile): it brings
// js-yaml and a JSON error formatter, a large share of a command's start-up.
export { cosmiconfig } from 'cosmiconfig';
