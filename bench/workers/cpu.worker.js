'use strict';
// As piscina, tinypool and rxjs-worker-pool/threads load a worker file: a function export.
module.exports = require('./cpu-work').work;
// A batch of tasks in one message (rxjs-worker-pool/threads' `batch` option): one result each.
module.exports.batch = (tasks) => tasks.map(require('./cpu-work').work);
