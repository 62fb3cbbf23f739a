// `npm run bench`: every benchmark of the project, in turn.
import { runEngineBench } from './engine.js';

runEngineBench();
