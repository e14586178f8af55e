import { serveJobs } from '../../job-worker.js';
import { evaluateTable, type EvaluationJob } from './evaluate-table.js';

// Worker side of the scorer (scorer.ts): scores each job it is sent, one at a time.
serveJobs((job: EvaluationJob) => evaluateTable(job));
