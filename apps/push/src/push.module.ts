import { Module } from '@nestjs/common';

/** The notification service (live channels, offline providers). */
@Module({})
export class PushModule {}
