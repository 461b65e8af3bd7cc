// Fills and pauses BullMQ queues with the real `bullmq` package, for the
// tests of opsdeck's queue counts, and prints what BullMQ itself counts.
//   node queues.mjs REDIS_PORT PREFIX fill|pause
// fill: 3 jobs, 2 with a priority, 4 delayed by an hour, and a flow whose
// parent waits for its 2 children (in the same queue) in queue PREFIX:emails.
// pause: pauses that queue. Both print one JSON line of BullMQ's counts.
import { FlowProducer, Queue } from 'bullmq';

const [port, prefix, step] = process.argv.slice(2);
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
const queue = new Queue('emails', { connection, prefix });

if (step === 'fill') {
  for (let n = 0; n < 3; n++) await queue.add('welcome', { n });
  for (let n = 0; n < 2; n++) await queue.add('receipt', { n }, { priority: 5 });
  for (let n = 0; n < 4; n++) await queue.add('reminder', { n }, { delay: 3_600_000 });
  const flows = new FlowProducer({ connection, prefix });
  await flows.add({
    name: 'digest',
    queueName: 'emails',
    children: [
      { name: 'part', queueName: 'emails', data: { part: 1 } },
      { name: 'part', queueName: 'emails', data: { part: 2 } },
    ],
  });
  await flows.close();
} else if (step === 'pause') {
  await queue.pause();
} else {
  console.error(`unknown step ${step}`);
  process.exit(2);
}

const counts = {
  waiting: await queue.getWaitingCount(),
  prioritized: await queue.getPrioritizedCount(),
  delayed: await queue.getDelayedCount(),
  waiting_children: await queue.getWaitingChildrenCount(),
  active: await queue.getActiveCount(),
  failed: await queue.getFailedCount(),
  paused: await queue.isPaused(),
  by_type: await queue.getJobCounts('wait', 'paused', 'prioritized', 'delayed', 'waiting-children'),
};
console.log(JSON.stringify(counts));
await queue.close();
