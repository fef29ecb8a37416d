import { pipelineInProcess } from './pipeline.ts';
const rate = await pipelineInProcess(Number(process.argv[2] ?? 10000), 200);
console.log('rate', rate.toFixed(0));
