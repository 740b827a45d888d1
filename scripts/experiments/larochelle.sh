#!/usr/bin/env bash
# Reproduces the Larochelle et al. (2007) table of EXPERIMENTS.md: test
# classification error on MNIST-basic and MNIST-rotation of depth 1, 2 and
# 3 networks with (i) no pre-training, (ii) autoencoder, (iii) RBM and
# (iv) denoising-autoencoder pre-training, hyper-parameters chosen on the
# validation set from the small grids below.
#
#   scripts/experiments/larochelle.sh                 # every row, in order
#   scripts/experiments/larochelle.sh mnist-basic rbm # one row group
#   GRID=small scripts/experiments/larochelle.sh      # first pre-training
#                                                     # setting of each grid only
#
# Each finished fine-tuning run is a JSON file in $RESULTS (committed),
# so an interrupted run picks up where it stopped and a finished one only
# prints its table. Pre-trained stacks are cached in the user cache
# directory. Runs use one thread each at low priority: budget about an
# hour per row group of one dataset on an idle core (much longer on a
# shared machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
LATENT=${LATENT:-bin/latent}
RESULTS=${RESULTS:-scripts/experiments/results}
THREADS=${THREADS:-1}
if [ ! -x "$LATENT" ]; then
	mkdir -p bin
	CGO_ENABLED=0 go build -o bin/latent ./cmd/latent
	LATENT=bin/latent
fi

# Shared settings: 1000 sigmoid units per hidden layer; each pre-training
# level trained 20 epochs (batch 64); fine-tuning with SGD, momentum 0.9,
# batch 64, at most 60 epochs, early stopping after 10 epochs without a
# lower validation error, keeping the best validation epoch.
common=(--width 1000 --pre-epochs 20 --epochs 60 --patience 10 --ft-lr 0.05,0.1 --threads "$THREADS" --results "$RESULTS")

row() { # data pretrain [extra flags]
	local data=$1 pre=$2
	shift 2
	echo "== $data $pre" >&2
	nice -n 10 "$LATENT" experiment larochelle --data "$data" --pretrain "$pre" "${common[@]}" "$@"
}

# The pre-training grids. Greedy modules are trained with SGD (momentum
# 0.5), autoencoder modules with tied weights. Each group runs the small
# grid (GRID=small) and then, unless GRID=small, the rest of the full
# grid:
#   rbm: learning rate 0.02 | 0.1
#   ae:  initial weights x0.1, lr 0.1 | the library's initial weights
#        (4x Glorot uniform), lr 0.1 and 0.02
#   dae: masking noise 0.25, initial weights x0.1 | 4x Glorot, masking
#        noise 0.25 and 0.1
# (A first try with Adam, lr 0.001, untied modules, gave worse validation
# errors for denoising modules; its runs stay in $RESULTS and compete in
# the table.)
group() { # data pretrain
	local sgd=(--pre-opt sgd --pre-momentum 0.5)
	case $2 in
	none) row "$1" none ;;
	ae)
		row "$1" ae "${sgd[@]}" --tied --pre-lr 0.1 --pre-init-scale 0.1
		[ "${GRID:-full}" = small ] || row "$1" ae "${sgd[@]}" --tied --pre-lr 0.1,0.02
		;;
	dae)
		row "$1" dae "${sgd[@]}" --tied --pre-lr 0.1 --noise mask:0.25 --pre-init-scale 0.1
		[ "${GRID:-full}" = small ] || row "$1" dae "${sgd[@]}" --tied --pre-lr 0.1 --noise mask:0.25,mask:0.1
		;;
	rbm)
		row "$1" rbm "${sgd[@]}" --pre-lr 0.02
		[ "${GRID:-full}" = small ] || row "$1" rbm "${sgd[@]}" --pre-lr 0.1
		;;
	*) echo "unknown pre-training $2" >&2; exit 2 ;;
	esac
}

# Depth-3 variants on MNIST-basic, the cells issue 5 sets targets for
# (unless GRID=small): fine-tuning with mini-batches of 16 (constant
# learning rate, or decayed by a factor per epoch), weight decay, and
# longer RBM pre-training. Each starts from its group's first pre-training
# setting; like every run, they compete on validation error.
extras() { # pretrain
	local sgd=(--pre-opt sgd --pre-momentum 0.5) d3=(--depths 3)
	local b16=(--batch 16 --epochs 100 --patience 15) pre
	case $1 in
	rbm) pre=(--pre-lr 0.02) ;;
	ae) pre=(--tied --pre-lr 0.1 --pre-init-scale 0.1) ;;
	dae) pre=(--tied --pre-lr 0.1 --noise mask:0.25 --pre-init-scale 0.1) ;;
	*) return ;;
	esac
	row mnist-basic "$1" "${sgd[@]}" "${pre[@]}" "${d3[@]}" "${b16[@]}" --ft-lr 0.02
	row mnist-basic "$1" "${sgd[@]}" "${pre[@]}" "${d3[@]}" "${b16[@]}" --ft-lr 0.05 --ft-decay 0.95
	row mnist-basic "$1" "${sgd[@]}" "${pre[@]}" "${d3[@]}" "${b16[@]}" --ft-lr 0.1 --ft-decay 0.9
	row mnist-basic "$1" "${sgd[@]}" "${pre[@]}" "${d3[@]}" --batch 16 --epochs 150 --patience 20 --ft-lr 0.01
	if [ "$1" = rbm ]; then
		row mnist-basic rbm "${sgd[@]}" "${pre[@]}" "${d3[@]}" --ft-lr 0.1 --weight-decay 0.0001 --epochs 100 --patience 15
		row mnist-basic rbm "${sgd[@]}" "${pre[@]}" "${d3[@]}" "${b16[@]}" --ft-lr 0.02 --pre-epochs 50
	fi
}

if [ $# -eq 2 ]; then
	group "$1" "$2"
	[ "$1" != mnist-basic ] || [ "${GRID:-full}" = small ] || extras "$2"
	exit
fi
for data in mnist-basic mnist-rotation; do
	for pre in rbm dae ae none; do
		group "$data" "$pre"
		[ "$data" != mnist-basic ] || [ "${GRID:-full}" = small ] || extras "$pre"
	done
done
