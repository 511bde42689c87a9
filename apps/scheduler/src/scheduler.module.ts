import { Module } from '@nestjs/common';

/** The IFTTT rule engine and distributed timers. */
@Module({})
export class SchedulerModule {}
