// cosmiconfig's YAML loader (js-yaml, safe schema), imported only when a YAML config file exists:
// it is a tenth of a command's start-up. Never cosmiconfig's explorer: building one reads
// `.config/config.js` in the working folder as code (its "meta config", cosmiconfig#296).
export { defaultLoaders } from 'cosmiconfig';
