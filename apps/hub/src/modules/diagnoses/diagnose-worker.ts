import { diagnoseSeries } from '@prometheus/afdd';
import { serveJobs } from '../../job-worker.js';
import type { DiagnoseJob } from './runner.js';

// Worker side of the runner: runs the rules over one series at a time.
serveJobs((job: DiagnoseJob) => diagnoseSeries(job.series, job.settings, { timeZone: job.timeZone }));
