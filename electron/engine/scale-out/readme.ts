import type { RunConfig, RunPlan } from '../../../shared/domain/run.ts';

/** The job folder's README.md: what is in it and the commands that run it. */
export function jobReadme({ config, plan, copy }: { config: RunConfig; plan: RunPlan; copy: boolean }): string {
  return `# LabelTune training job: ${config.backbone}, ${config.strategy}

${plan.trainImages} train and ${plan.valImages} validation images, ${config.classes.length} classes (${config.classes.join(', ')}),
${config.epochs} epochs at ${config.imageSize} px, global batch ${config.batchSize}, seed ${config.seed}.
Strategy: ${plan.reason}

Files: \`manifest.jsonl\` (one image per line: split, file, class indices, group), \`preprocessing.json\`
(the same steps the app and its exports use), \`config.json\` (the resolved run: which parameters train
in each epoch, peak learning rate per group, schedule, loss), \`initial.safetensors\` (timm names),
\`train.py\` with its helpers in \`labeltune_job/\`. ${copy ? 'The images are copied under images/.' : 'Images are referenced by the paths the project stores: they must be readable at those paths where the job runs (or export again with --copy).'}

Requires Python 3 with PyTorch >= 1.13, torchvision and Pillow (pydicom for DICOM). Nothing leaves
your machine unless you copy this folder.

## Run

    python3 train.py                                   # one process; CUDA if available
    torchrun --standalone --nproc_per_node 4 train.py  # 4 ranks on one machine (DDP)

Multi-node under SLURM (one torchrun per node, c10d rendezvous on the first node):

    #!/bin/bash
    #SBATCH --nodes=2 --ntasks-per-node=1 --gpus-per-node=4 --cpus-per-task=16
    head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
    srun torchrun --nnodes "$SLURM_NNODES" --nproc_per_node 4 \\
      --rdzv_id "$SLURM_JOB_ID" --rdzv_backend c10d --rdzv_endpoint "$head:29500" train.py

Ray Train (TorchTrainer sets the same environment variables train.py reads):

    import runpy
    from ray.train import ScalingConfig
    from ray.train.torch import TorchTrainer
    def loop(_):
        runpy.run_path('/shared/job/train.py', run_name='__main__')
    TorchTrainer(loop, scaling_config=ScalingConfig(num_workers=4, use_gpu=True)).fit()

Results go to \`output/\`: \`metrics.jsonl\` (one line per epoch), \`checkpoints/best.safetensors\` and
\`last.safetensors\` (timm names), \`state.pt\` (resume: run the same command again), \`result.json\`.

## Bring the model back

    labeltune job import <project> <this folder>
    labeltune eval <project> --run <the id it prints> [--checkpoint best|last]

(or, in the app: Train → Train elsewhere… → Import the finished job)
`;
}
