// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title Payout
/// @notice Pays a stablecoin held by this contract to the holders of a tranche token, in bounded
/// batches, and never pays a holder twice for the same distribution.
///
/// A distribution is what it pays: the tranche token, the record date and the hash of the holder
/// snapshot taken at that date. Its id is computed here from those three values
/// (`distributionId`), never supplied by the caller, and each token binds one record date to one
/// snapshot: a second snapshot for the same record date, or the same snapshot under another record
/// date, is refused. So the same payment cannot be sent again under another id.
///
/// Within a distribution each holder is paid once. A batch that names a holder already paid (in an
/// earlier batch, or earlier in the same batch), a zero amount or the zero address reverts as a
/// whole: nothing of it is paid, and the mis-cut batch is visible as a failed transaction rather
/// than silently shortened. A batch number is used once per distribution.
contract Payout is AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant PAYER_ROLE = keccak256("PAYER_ROLE");
    uint256 public constant MAX_BATCH = 200;

    struct Distribution {
        address token;
        uint32 recordDate; // YYYYMMDD
        uint32 batches;
        bytes32 snapshotHash;
        uint256 recipients;
        uint256 total;
    }

    IERC20 public immutable stablecoin;
    mapping(bytes32 distributionId => Distribution) public distributions;
    mapping(address token => mapping(uint32 recordDate => bytes32 distributionId)) public distributionOfRecordDate;
    mapping(address token => mapping(bytes32 snapshotHash => bytes32 distributionId)) public distributionOfSnapshot;
    mapping(bytes32 distributionId => mapping(uint32 batchNumber => bool)) public batchPaid;
    mapping(bytes32 distributionId => mapping(address holder => uint256 amount)) public paidAmount;

    event DistributionOpened(
        bytes32 indexed distributionId, address indexed token, uint32 recordDate, bytes32 snapshotHash
    );
    event Paid(bytes32 indexed distributionId, uint32 indexed batchNumber, address indexed holder, uint256 amount);
    event BatchPaid(
        bytes32 indexed distributionId, uint32 indexed batchNumber, uint256 recipients, uint256 total, address agent
    );
    event Withdrawn(address indexed to, uint256 amount, address indexed agent);

    error ZeroAddress();
    error ZeroAmount(address holder);
    error InvalidRecordDate(uint32 recordDate);
    error EmptySnapshotHash();
    error RecordDateAlreadyPaid(address token, uint32 recordDate, bytes32 distributionId);
    error SnapshotAlreadyPaid(address token, bytes32 snapshotHash, bytes32 distributionId);
    error HolderAlreadyPaid(bytes32 distributionId, address holder, uint256 amount);
    error BatchAlreadyPaid(bytes32 distributionId, uint32 batchNumber);
    error BatchTooLarge(uint256 size, uint256 max);
    error EmptyBatch();
    error LengthMismatch();
    error InsufficientFunds(uint256 available, uint256 needed);

    constructor(address stablecoin_, address admin) {
        if (stablecoin_ == address(0) || admin == address(0)) revert ZeroAddress();
        stablecoin = IERC20(stablecoin_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAYER_ROLE, admin);
    }

    /// @notice keccak256(abi.encode(token, recordDate, snapshotHash)): the id of the distribution
    /// that pays `token`'s holders of record on `recordDate` (YYYYMMDD) per the snapshot `snapshotHash`.
    function distributionId(address token, uint32 recordDate, bytes32 snapshotHash) public pure returns (bytes32) {
        return keccak256(abi.encode(token, recordDate, snapshotHash));
    }

    /// @notice Pay batch `batchNumber` of the distribution (token, recordDate, snapshotHash). The
    /// first batch opens the distribution. Reverts as a whole on any holder already paid, any zero
    /// amount, a used batch number, a record date or snapshot already bound to another distribution.
    function payBatch(
        address token,
        uint32 recordDate,
        bytes32 snapshotHash,
        uint32 batchNumber,
        address[] calldata holders,
        uint256[] calldata amounts
    ) external onlyRole(PAYER_ROLE) returns (bytes32 id) {
        uint256 n = holders.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (amounts.length != n) revert LengthMismatch();
        id = _open(token, recordDate, snapshotHash);
        if (batchPaid[id][batchNumber]) revert BatchAlreadyPaid(id, batchNumber);
        batchPaid[id][batchNumber] = true;
        uint256 total = _record(id, holders, amounts);
        uint256 available = stablecoin.balanceOf(address(this));
        if (total > available) revert InsufficientFunds(available, total);
        Distribution storage d = distributions[id];
        d.batches += 1;
        d.recipients += n;
        d.total += total;
        for (uint256 i = 0; i < n; ++i) {
            stablecoin.safeTransfer(holders[i], amounts[i]);
            emit Paid(id, batchNumber, holders[i], amounts[i]);
        }
        emit BatchPaid(id, batchNumber, n, total, _msgSender());
    }

    function withdraw(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        stablecoin.safeTransfer(to, amount);
        emit Withdrawn(to, amount, _msgSender());
    }

    /// @dev The distribution's id; on its first batch, bind the record date and the snapshot to it.
    function _open(address token, uint32 recordDate, bytes32 snapshotHash) private returns (bytes32 id) {
        if (token == address(0)) revert ZeroAddress();
        if (snapshotHash == bytes32(0)) revert EmptySnapshotHash();
        uint32 month = (recordDate / 100) % 100;
        uint32 day = recordDate % 100;
        if (recordDate < 19700101 || month < 1 || month > 12 || day < 1 || day > 31) {
            revert InvalidRecordDate(recordDate);
        }
        id = distributionId(token, recordDate, snapshotHash);
        bytes32 byDate = distributionOfRecordDate[token][recordDate];
        bytes32 bySnapshot = distributionOfSnapshot[token][snapshotHash];
        if (byDate == id && bySnapshot == id) return id;
        if (byDate != bytes32(0)) revert RecordDateAlreadyPaid(token, recordDate, byDate);
        if (bySnapshot != bytes32(0)) revert SnapshotAlreadyPaid(token, snapshotHash, bySnapshot);
        distributionOfRecordDate[token][recordDate] = id;
        distributionOfSnapshot[token][snapshotHash] = id;
        Distribution storage d = distributions[id];
        d.token = token;
        d.recordDate = recordDate;
        d.snapshotHash = snapshotHash;
        emit DistributionOpened(id, token, recordDate, snapshotHash);
    }

    /// @dev Mark every holder of the batch paid; refuse the zero address, zero amounts and any
    /// holder already paid in this distribution (a repeat inside the batch included).
    function _record(bytes32 id, address[] calldata holders, uint256[] calldata amounts)
        private
        returns (uint256 total)
    {
        mapping(address => uint256) storage paid = paidAmount[id];
        for (uint256 i = 0; i < holders.length; ++i) {
            address holder = holders[i];
            uint256 amount = amounts[i];
            if (holder == address(0)) revert ZeroAddress();
            if (amount == 0) revert ZeroAmount(holder);
            uint256 before = paid[holder];
            if (before != 0) revert HolderAlreadyPaid(id, holder, before);
            paid[holder] = amount;
            total += amount;
        }
    }
}
