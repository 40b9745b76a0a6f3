'use strict';
// As workerpool's README shows: functions registered by name.
const workerpool = require('workerpool');
workerpool.worker({ work: require('./cpu-work').work });
