// Entry point of dist/server.js: `node dist/server.js --node-ipc` or `--stdio`.
import { launchServer } from './launch';

launchServer(process.argv.slice(2));
