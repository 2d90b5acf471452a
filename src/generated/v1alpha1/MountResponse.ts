// Original file: proto/v1alpha1/service.proto

import type { ObjectVersion as _v1alpha1_ObjectVersion, ObjectVersion__Output as _v1alpha1_ObjectVersion__Output } from '../v1alpha1/ObjectVersion.js';
import type { Error as _v1alpha1_Error, Error__Output as _v1alpha1_Error__Output } from '../v1alpha1/Error.js';
import type { File as _v1alpha1_File, File__Output as _v1alpha1_File__Output } from '../v1alpha1/File.js';

export interface MountResponse {
  'objectVersion'?: (_v1alpha1_ObjectVersion)[];
  'error'?: (_v1alpha1_Error | null);
  'files'?: (_v1alpha1_File)[];
}

export interface MountResponse__Output {
  'objectVersion': (_v1alpha1_ObjectVersion__Output)[];
  'error': (_v1alpha1_Error__Output | null);
  'files': (_v1alpha1_File__Output)[];
}
