// `npm start`. For now the console is the embedded cluster: start the broker and say where it
// listens. Later this launches the Electron console (or the web shell where Electron cannot run).
import { main } from '../core/broker/cli.js';

await main(process.argv.slice(2));
