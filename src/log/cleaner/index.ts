// Log compaction: the background cleaner, record parsing and compression codecs.
export * from './codecs.js'
export * from './records.js'
export * from './compactor.js'
export * from './log-cleaner.js'
export * from './swap-recovery.js'
